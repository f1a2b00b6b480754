"""crawler.pending: waiting link requests stored as tuples come back as the same requests, in order."""

from scrapy import FormRequest, Request

from crawler.frontier import KEY_META
from crawler.pending import CompactRequestQueue
from crawler.spider import MohaSpider


def test_plain_links_come_back_equal_and_everything_else_as_it_was_first_in_first_out() -> None:
    spider = MohaSpider()
    queue = CompactRequestQueue(spider)
    page = "http://moha.gov.vn/tin-tuc-su-kien.html"
    link = spider.link_request("http://moha.gov.vn/a-1.html", hops="LL", referrer=page, key="moha.gov.vn/a-1.html")
    seed = spider.link_request("http://moha.gov.vn/", hops="", referrer=None)
    postback = FormRequest(page, formdata={"__EVENTTARGET": "p", "__EVENTARGUMENT": "Page$2"},
                           callback=spider.parse, meta={"moha_hops": "LX", "moha_postback": ("p", "Page$2")})
    redirected = link.replace(url="http://moha.gov.vn/b-1.html", meta={**link.meta, "redirect_times": 1})
    for request in (link, postback, seed, redirected):
        queue.push(request)
    assert len(queue) == 4 and queue.peek().url == link.url

    popped = [queue.pop() for _ in range(4)]
    assert queue.pop() is None and len(queue) == 0
    assert popped[1] is postback and popped[3] is redirected  # more than a plain link: kept whole
    for original, again in ((link, popped[0]), (seed, popped[2])):
        assert again is not original and type(again) is Request
        assert (again.url, again.method, again.meta, again.priority, again.callback) == \
            (original.url, original.method, original.meta, original.priority, original.callback)
        assert dict(again.headers) == dict(original.headers)
    assert popped[0].meta[KEY_META] == (link.url, "moha.gov.vn/a-1.html") and popped[0].priority == -4
