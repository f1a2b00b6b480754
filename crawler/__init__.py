"""Capture the legacy site into archival-grade WARC files with Scrapy and warcio.

`crawler.run.crawl_site(CrawlOptions(...))` is the library function under `moha-migrate crawl`; it
runs one or more `crawler.worker` processes, each a Scrapy crawl assembled from:

- `handler`: the download handler (raw HTTP/1.1 on asyncio, `http_client`) that keeps the status
  line, headers and body exactly as received and spools large bodies to disk;
- `warc_capture` + `warc_writer`: request/response/revisit records, WARC/1.1, one gzip member each,
  Heritrix-style rotating files, and the JSON-lines crawl log (`crawllog`);
- `dedup`: payload-digest revisits; `incremental`: conditional requests against a previous crawl;
- `spider`: link extraction by regex (`links`), scope and traps (`traps`, `rules` = the profile's
  [scope] [traps] [canonical] [politeness]), ASP.NET postback paging;
- `politeness`: one slot per site, robots.txt Crawl-delay, retry backoff, shared robots.txt;
- `frontier` + `state`: the frontier key, a kill -9 safe journal and `--resume` recovery;
- `redis_mode`: scrapy-redis shared frontier for several workers; `settings`: the Scrapy settings.
"""
