"""Deterministic Vietnamese government news for the replica: titles, leads, bodies, captions, credits.

Everything here is a pure function of a `random.Random` that the caller seeds per item, so item N's
text never depends on any other item having been generated (the site builds pages on demand).
The phrase banks imitate the ministry's own news of 2008-2015 (shared/seeds/): meetings, training
courses, administrative reform, civil-service exams, emulation awards, religion, archives and NGOs.
The real launch-day article of 15/08/2015 is reproduced verbatim as SEED_ARTICLE.

Text returned here is what the ground truth holds: NFC, single spaces, no HTML entities.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# ------------------------------------------------------------------ named data (phrase banks)

LEADERS = (
    "Bộ trưởng Nguyễn Thái Bình",
    "Bộ trưởng Trần Văn Tuấn",
    "Bộ trưởng Lê Vĩnh Tân",
    "Thứ trưởng Nguyễn Duy Thăng",
    "Thứ trưởng Trần Anh Tuấn",
    "Thứ trưởng Văn Tất Thu",
    "Thứ trưởng Nguyễn Tiến Dĩnh",
    "Thứ trưởng Trần Thị Hà",
    "Thứ trưởng Nguyễn Trọng Thừa",
)
PROVINCES = (
    "Hà Nội",
    "Hải Phòng",
    "Đà Nẵng",
    "TP. Hồ Chí Minh",
    "Cần Thơ",
    "Quảng Ninh",
    "Nghệ An",
    "Thanh Hóa",
    "Thừa Thiên Huế",
    "Lâm Đồng",
    "Đắk Lắk",
    "Lào Cai",
    "Điện Biên",
    "Bắc Ninh",
    "Hà Giang",
    "Sơn La",
    "Quảng Nam",
    "Bình Định",
    "Khánh Hòa",
    "An Giang",
    "Kiên Giang",
    "Cà Mau",
    "Thái Nguyên",
    "Nam Định",
    "Ninh Bình",
    "Phú Thọ",
    "Vĩnh Long",
    "Bến Tre",
)
UNITS = (
    "Vụ Tổ chức - Biên chế",
    "Vụ Công chức - Viên chức",
    "Vụ Chính quyền địa phương",
    "Vụ Cải cách hành chính",
    "Ban Tôn giáo Chính phủ",
    "Ban Thi đua - Khen thưởng Trung ương",
    "Cục Văn thư và Lưu trữ nhà nước",
    "Vụ Tổ chức phi chính phủ",
    "Thanh tra Bộ",
    "Học viện Hành chính",
    "Viện Khoa học tổ chức nhà nước",
    "Trung tâm Thông tin",
    "Vụ Pháp chế",
    "Vụ Hợp tác quốc tế",
    "Vụ Tiền lương",
    "Văn phòng Bộ",
)
GUESTS = (
    "Đoàn công tác Bộ Nội vụ Lào",
    "Đại sứ Đan Mạch tại Việt Nam",
    "Đoàn đại biểu Bộ Nhân sự Hàn Quốc",
    "Đoàn công tác Cơ quan Phát triển Liên hợp quốc",
    "Đoàn công tác Bộ Nội vụ Campuchia",
    "Đại diện Ngân hàng Thế giới tại Việt Nam",
    "Đoàn đại biểu Cục Lưu trữ quốc gia Pháp",
    "Đoàn công tác Bộ Nội vụ Cuba",
    "Đại sứ Thụy Điển tại Việt Nam",
    "Đoàn đại biểu Học viện Hành chính Trung Quốc",
    "Đoàn công tác Ủy ban Công vụ Singapore",
    "Đại diện Cơ quan Hợp tác quốc tế Nhật Bản (JICA)",
    "Đoàn đại biểu Bộ Nội vụ Mông Cổ",
    "Đại sứ Ô-xtrây-li-a tại Việt Nam",
)
CATEGORY_TOPICS: dict[str, tuple[str, ...]] = {
    "hoat-dong-cua-bo": (
        "công tác xây dựng Đảng",
        "công tác tổ chức nhà nước",
        "chương trình công tác năm",
        "công tác thanh tra công vụ",
        "hợp tác quốc tế về công vụ",
        "công tác pháp chế",
    ),
    "tin-dia-phuong": (
        "công tác nội vụ",
        "sắp xếp tổ chức bộ máy",
        "tuyển dụng công chức cấp xã",
        "chính quyền cơ sở",
        "quản lý địa giới hành chính",
        "bầu cử đại biểu Hội đồng nhân dân",
    ),
    "cai-cach-hanh-chinh": (
        "cải cách thủ tục hành chính",
        "cơ chế một cửa, một cửa liên thông",
        "chỉ số cải cách hành chính",
        "ứng dụng công nghệ thông tin trong cơ quan nhà nước",
        "đề án văn hóa công vụ",
        "chương trình tổng thể cải cách hành chính nhà nước",
    ),
    "cong-chuc-vien-chuc": (
        "thi nâng ngạch công chức",
        "đào tạo, bồi dưỡng cán bộ, công chức",
        "đánh giá công chức",
        "chế độ tiền lương",
        "tinh giản biên chế",
        "vị trí việc làm",
    ),
    "thi-dua-khen-thuong": (
        "phong trào thi đua yêu nước",
        "công tác thi đua, khen thưởng",
        "danh hiệu Anh hùng Lao động",
        "Huân chương Lao động",
        "Bằng khen của Thủ tướng Chính phủ",
        "phong trào thi đua chuyên đề",
    ),
    "ton-giao": (
        "công tác tôn giáo",
        "hoạt động của các tổ chức tôn giáo",
        "chính sách tự do tín ngưỡng",
        "Pháp lệnh tín ngưỡng, tôn giáo",
        "công tác quản lý nhà nước về tôn giáo",
    ),
    "van-thu-luu-tru": (
        "công tác văn thư, lưu trữ",
        "chỉnh lý tài liệu lưu trữ",
        "số hóa tài liệu lưu trữ",
        "Luật Lưu trữ",
        "triển lãm tài liệu lưu trữ",
        "bảo quản tài liệu quý hiếm",
    ),
    "to-chuc-phi-chinh-phu": (
        "quản lý hội, quỹ xã hội, quỹ từ thiện",
        "hoạt động của các hội đặc thù",
        "tổ chức phi chính phủ nước ngoài",
        "Nghị định về tổ chức, hoạt động và quản lý hội",
    ),
}
TITLE_FORMS = (
    "{leader} làm việc với Ủy ban nhân dân tỉnh {province}",
    "Hội nghị tổng kết {topic} năm {year}",
    "{province}: Triển khai {topic} năm {year}",
    "{province}: Sơ kết 6 tháng đầu năm {year} về {topic}",
    "Khai mạc lớp bồi dưỡng về {topic} tại {province}",
    "{leader} tiếp {guest}",
    "{leader} tiếp {guest} tại {province}",
    "Hội thảo khoa học về {topic} năm {year}",
    "Hội thảo khoa học về {topic} tại {province}",
    "{unit} tổ chức sơ kết {topic} 6 tháng đầu năm {year}",
    "Tăng cường {topic} tại tỉnh {province}",
    "Kiểm tra {topic} tại {province} năm {year}",
    "Trao tặng {award} cho {unit}",
    "Trao tặng {award} cho Sở Nội vụ tỉnh {province}",
    "Góp ý dự thảo văn bản về {topic} năm {year}",
    "Nâng cao hiệu quả {topic} giai đoạn {year}-{year_next}",
    "{province} đẩy mạnh {topic}",
    "Tập huấn nghiệp vụ {topic} cho cán bộ tỉnh {province}",
    "Công bố kết quả {topic} năm {year}",
    "{unit} làm việc với Sở Nội vụ tỉnh {province}",
)
AWARDS = (
    "Huân chương Lao động hạng Nhất",
    "Huân chương Lao động hạng Ba",
    "Cờ thi đua của Chính phủ",
    "Bằng khen của Bộ trưởng Bộ Nội vụ",
    "Huân chương Độc lập hạng Ba",
    "Kỷ niệm chương Vì sự nghiệp Nội vụ",
)
LEAD_FORMS = (
    "Ngày {day}/{month}, tại {place}, {unit} đã tổ chức hội nghị về {topic}.",
    "Sáng ngày {day}/{month}/{year}, {leader} đã có buổi làm việc với lãnh đạo tỉnh {province} về {topic}.",
    "Thực hiện kế hoạch công tác năm {year}, {unit} đã triển khai nhiều hoạt động thiết thực về {topic}.",
    "Chiều {day}/{month}, {leader} chủ trì cuộc họp bàn về {topic} với sự tham dự của đại diện các vụ, cục thuộc Bộ.",
)
SENTENCES = (
    "Tham dự hội nghị có đại diện lãnh đạo các vụ, cục, đơn vị thuộc Bộ Nội vụ và Sở Nội vụ các tỉnh, thành phố.",
    "Trong năm {year}, {topic} đã đạt được nhiều kết quả quan trọng, góp phần thực hiện thắng lợi nhiệm vụ chính trị của ngành.",
    "Phát biểu tại buổi làm việc, {leader} đánh giá cao những kết quả mà tỉnh {province} đã đạt được trong thời gian qua.",
    "Bên cạnh những kết quả đạt được, {topic} vẫn còn một số hạn chế cần khắc phục trong thời gian tới.",
    "Báo cáo tại hội nghị cho biết, toàn ngành đã ban hành {count} văn bản hướng dẫn về {topic}.",
    "Các đại biểu đã tập trung thảo luận, đóng góp nhiều ý kiến tâm huyết nhằm nâng cao chất lượng {topic}.",
    "Theo đánh giá của {unit}, việc triển khai {topic} tại các địa phương đã có chuyển biến rõ nét.",
    "{leader} đề nghị các đơn vị tiếp tục đẩy mạnh {topic}, gắn với việc nâng cao chất lượng đội ngũ cán bộ, công chức.",
    "Đến nay, {count} cơ quan, đơn vị đã hoàn thành việc rà soát, đánh giá theo kế hoạch.",
    "Đây là hoạt động thiết thực nhằm cụ thể hóa chủ trương của Đảng, chính sách, pháp luật của Nhà nước về {topic}.",
    "Tỉnh {province} đã thành lập Ban Chỉ đạo do đồng chí Chủ tịch Ủy ban nhân dân tỉnh làm Trưởng ban.",
    "Kết thúc hội nghị, Ban tổ chức đã trao giấy chứng nhận cho {count} học viên hoàn thành khóa học.",
    "Năm {year_next}, ngành Nội vụ xác định {topic} là một trong những nhiệm vụ trọng tâm cần tập trung chỉ đạo.",
    "Lãnh đạo {unit} cho biết, sẽ tiếp thu đầy đủ các ý kiến để hoàn thiện dự thảo trình cấp có thẩm quyền.",
    "Cũng tại buổi làm việc, đại diện {unit} đã giải đáp các kiến nghị của địa phương liên quan đến {topic}.",
    "Theo kế hoạch, đến hết năm {year_next}, tỉnh {province} sẽ hoàn thành việc kiện toàn tổ chức bộ máy các cơ quan chuyên môn.",
    "Nhiều ý kiến đề nghị cần sớm sửa đổi, bổ sung các quy định không còn phù hợp với thực tiễn.",
    "Ông cũng lưu ý các địa phương cần làm tốt công tác sơ kết, tổng kết, nhân rộng các mô hình hay, cách làm hiệu quả.",
    "Tính đến cuối năm {year}, cả nước có {count} đơn vị hành chính cấp xã thực hiện thí điểm mô hình mới.",
    "Hội nghị cũng đã nghe các tham luận của Sở Nội vụ các tỉnh, thành phố về kinh nghiệm triển khai {topic}.",
)
SUBHEADINGS = (
    "Những kết quả nổi bật",
    "Một số tồn tại, hạn chế",
    "Nhiệm vụ trọng tâm năm {year_next}",
    "Kiến nghị, đề xuất",
    "Phương hướng trong thời gian tới",
)
LIST_ITEMS = (
    "Tiếp tục hoàn thiện thể chế về {topic}",
    "Đẩy mạnh ứng dụng công nghệ thông tin trong hoạt động của cơ quan hành chính",
    "Nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức",
    "Tăng cường công tác thanh tra, kiểm tra việc thực hiện {topic}",
    "Làm tốt công tác thông tin, tuyên truyền",
    "Bố trí đủ kinh phí thực hiện các nhiệm vụ được giao",
)
PHOTOGRAPHERS = ("Minh Sơn/Vietnam+", "Thanh Hà", "Trung tâm Thông tin", "Hoàng Anh", "Ngọc Lan", "TTXVN")
CAPTION_FORMS = (
    "{leader} phát biểu tại hội nghị.",
    "Quang cảnh buổi làm việc.",
    "Các đại biểu tham dự hội nghị.",
    "{leader} trao {award} cho đại diện {unit}.",
    "Lãnh đạo tỉnh {province} báo cáo kết quả {topic}.",
)
CREDITS = (
    "TTXVN/VNP",
    "Theo Vietnam+",
    "Minh Sơn - TTXVN",
    "Thanh Hà",
    "Hoàng Anh - Trung tâm Thông tin",
    "Ngọc Lan",
)
LINK_PHRASES = ("Xem chi tiết", "Toàn văn báo cáo", "Xem thêm")

# Legal documents: (Loại văn bản, the symbol after the number, issuer, usual signer)
DOC_TYPES = (
    ("Luật", "QH13", "Quốc hội", "Nguyễn Sinh Hùng"),
    ("Nghị định", "NĐ-CP", "Chính phủ", "Nguyễn Tấn Dũng"),
    ("Thông tư", "TT-BNV", "Bộ Nội vụ", "Nguyễn Thái Bình"),
    ("Quyết định", "QĐ-BNV", "Bộ Nội vụ", "Trần Anh Tuấn"),
    ("Công văn", "BNV-CCVC", "Bộ Nội vụ", "Trần Anh Tuấn"),
    ("Chỉ thị", "CT-TTg", "Thủ tướng Chính phủ", "Nguyễn Tấn Dũng"),
    ("Hướng dẫn", "HD-BNV", "Bộ Nội vụ", "Văn Tất Thu"),
)
DOC_FIELDS = (
    "Tổ chức bộ máy",
    "Công chức, viên chức",
    "Cải cách hành chính",
    "Thi đua, khen thưởng",
    "Tôn giáo",
    "Văn thư, lưu trữ",
    "Chính quyền địa phương",
    "Tiền lương",
)
DOC_STATUSES = ("Còn hiệu lực", "Còn hiệu lực", "Còn hiệu lực", "Hết hiệu lực một phần", "Hết hiệu lực")
DOC_ABSTRACTS = (
    "Quy định về {topic}",
    "Hướng dẫn thực hiện {topic}",
    "Ban hành Quy chế {topic}",
    "Sửa đổi, bổ sung một số điều về {topic}",
    "Về việc tăng cường {topic}",
)


@dataclass(frozen=True, slots=True)
class SeedArticle:
    """The real launch-day article (shared/seeds/moha-article-2015-08-15.txt), reproduced as served."""

    title: str
    caption: str
    paragraphs: tuple[str, ...]
    credit: str


SEED_ARTICLE = SeedArticle(
    title="Chính thức khai trương Cổng thông tin điện tử Bộ Nội vụ",
    caption="Thứ trưởng Bộ Nội vụ Nguyễn Duy Thăng đã bấm nút chính thức khai trương Cổng thông tin điện tử Bộ Nội vụ. (Ảnh: Minh Sơn/Vietnam+)",
    paragraphs=(
        "Thực hiện chủ trương hiện đại hóa nền hành chính, xây dựng “Bộ Nội vụ điện tử” trong tiến trình xây dựng “Chính phủ điện tử”, đẩy mạnh cải cách hành chính và cải cách chế độ công vụ, công chức, Trung tâm Thông tin – Bộ Nội vụ được giao nhiệm vụ xây dựng Cổng thông tin điện tử Bộ Nội vụ trên cơ sở nâng cấp Trang thông tin điện tử của Bộ Nội vụ (địa chỉ http://moha.gov.vn).",
        "Cổng thông tin điện tử Bộ Nội vụ được xây dựng nhằm phục vụ công tác quản lý, lãnh đạo, chỉ đạo điều hành của Lãnh đạo Bộ, phục vụ nhân dân, đảm bảo bảo cung cấp thông tin đầy đủ, kịp thời. Đồng thời tạo lập môi trương giao tiếp điện tử giữa các cá nhân, tổ chức và người dân với Bộ và giữa cán bộ công chức, viên chức và người lao động trong Bộ.",
        "Đây cũng là kênh thông tin tuyên truyền, phổ biến đường lối, chủ trương của Đảng, chính sách, pháp luật của Nhà nước liên quan đến lĩnh vực quản lý nhà nước của Bộ Nội vụ trên mạng internet, qua đó góp phần hiện đại hóa các mối quan hệ hành chính, định hướng dư luận, tạo sự đồng thuận trong xã hội về các nhiệm vụ mà Bộ Nội vụ đang triển khai thực hiện .",
        "Thứ trưởng Bộ Nội vụ Nguyễn Duy Thăng phát biểu trong buổi lễ: “Quá trình chạy thử Cổng thông tin điện tử từ đầu năm đến nay, kết quả thu được đã đạt được mục tiêu đề ra. Đến hôm nay, chúng tôi chính thức khai trương Cổng thông tin điện tử để đánh dấu sự phát triển, trưởng thành của Trung tâm thông tin và của cả Bộ Nội vụ trong những năm vừa qua”.",
        "Cũng tham dự tại buổi lễ, ông Nguyễn Thanh Bình – Quyền giám đốc Trung tâm thông tin Bộ Nội vụ cho biết, cổng thông tin điện tử Bộ Nội vụ được kế thừa toàn bộ các tính năng, ứng dụng, dữ liệu của hệ thống Trang thông tin điện tử Bộ Nội vụ trước đây. Thông tin cung cấp tuân thủ theo quy định tại Nghị dịnh 43/NĐ-CP của Chính phủ về cung cấp thông tin và dịch vụ công trực tuyến trên trang thông tin điện tử hoặc cổng thông tin điện tử của cơ quan nhà nước và theo chức năng, nhiệm vụ của Bộ Nội vụ.",
        "Cổng thông tin điện tử Bộ Nội vụ hứa hẹn sẽ đảm bảo đáp ứng yêu cầu trở thành trung tâm tích hợp dữ liệu về thông tin, được thiết kế, phát triển theo hướng có khả năng mở rộng trong tương lai; khả năng cập nhật, tích hợp, liên kết thông tin với các trang/cổng thông tin điện tử các đơn vị thuộc Bộ, Sở Nội vụ các tỉnh, thành phố trực thuộc Trung ương và với Cổng thông tin điện tử Chính phủ.",
        "Tính từ tháng 12 năm 2008 (thời điểm Trang thông tin điện tử Bộ Nội vụ hoạt động chính thức trên internet) cho đến nay, có 16.000 tin bài, ảnh, văn bản được cập nhật, đăng tải, với số lượng truy cập trên 20.600.000 lượt. Cổng thông tin điện tử Bộ Nội vụ chính thức khai trương ngày 14/8./.",
    ),
    credit="TTXVN/VNP",
)

STATIC_PAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "gioi-thieu-chung",
        "Giới thiệu chung",
        (
            "Bộ Nội vụ là cơ quan của Chính phủ, thực hiện chức năng quản lý nhà nước về tổ chức hành chính, sự nghiệp nhà nước; chính quyền địa phương, địa giới hành chính; cán bộ, công chức, viên chức nhà nước.",
            "Bộ Nội vụ còn quản lý nhà nước về hội, tổ chức phi chính phủ; văn thư, lưu trữ nhà nước; tôn giáo; thi đua, khen thưởng và quản lý nhà nước các dịch vụ công thuộc lĩnh vực quản lý của Bộ theo quy định của pháp luật.",
        ),
    ),
    (
        "chuc-nang-nhiem-vu",
        "Chức năng, nhiệm vụ",
        (
            "Trình Chính phủ dự án luật, dự thảo nghị quyết của Quốc hội, dự án pháp lệnh, dự thảo nghị quyết của Ủy ban Thường vụ Quốc hội; dự thảo nghị định của Chính phủ theo chương trình, kế hoạch xây dựng pháp luật hằng năm của Bộ.",
            "Chỉ đạo, hướng dẫn, kiểm tra và tổ chức thực hiện các văn bản quy phạm pháp luật, chiến lược, quy hoạch, kế hoạch, chương trình, dự án, đề án đã được phê duyệt thuộc phạm vi quản lý nhà nước của Bộ.",
        ),
    ),
    (
        "co-cau-to-chuc",
        "Cơ cấu tổ chức",
        (
            "Cơ cấu tổ chức của Bộ Nội vụ gồm các vụ, cục, thanh tra, văn phòng và các đơn vị sự nghiệp trực thuộc.",
            "Các tổ chức giúp Bộ trưởng thực hiện chức năng quản lý nhà nước gồm: Vụ Tổ chức - Biên chế; Vụ Chính quyền địa phương; Vụ Công chức - Viên chức; Vụ Tiền lương; Vụ Cải cách hành chính; Vụ Pháp chế; Vụ Hợp tác quốc tế; Thanh tra Bộ; Văn phòng Bộ.",
        ),
    ),
    (
        "lanh-dao-bo",
        "Lãnh đạo Bộ",
        (
            "Bộ trưởng: Nguyễn Thái Bình.",
            "Thứ trưởng: Trần Anh Tuấn; Văn Tất Thu; Nguyễn Duy Thăng; Nguyễn Tiến Dĩnh; Trần Thị Hà; Nguyễn Trọng Thừa.",
        ),
    ),
    (
        "lich-su-phat-trien",
        "Lịch sử phát triển",
        (
            "Ngày 28 tháng 8 năm 1945, Chủ tịch Hồ Chí Minh thay mặt Chính phủ lâm thời nước Việt Nam Dân chủ Cộng hòa ra Tuyên cáo về việc thành lập Chính phủ, trong đó có Bộ Nội vụ.",
            "Trải qua hơn 70 năm xây dựng và phát triển, Bộ Nội vụ đã nhiều lần được kiện toàn về tổ chức, chức năng, nhiệm vụ để đáp ứng yêu cầu của từng thời kỳ cách mạng.",
        ),
    ),
    (
        "lien-he",
        "Liên hệ",
        (
            "Cổng thông tin điện tử Bộ Nội vụ, số 8 Tôn Thất Thuyết, quận Cầu Giấy, Hà Nội.",
            "Điện thoại: 080.46347; Fax: 080.46347; Thư điện tử: banbientap@moha.gov.vn.",
        ),
    ),
)

VN_WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")


# ------------------------------------------------------------------ generators


@dataclass(frozen=True, slots=True)
class Slots:
    """The fillers one article draws from, chosen once so its title, lead and body agree."""

    leader: str
    province: str
    unit: str
    guest: str
    topic: str
    award: str
    year: int

    def fill(self, form: str, rng: random.Random, **extra: object) -> str:
        return form.format(
            leader=self.leader,
            province=self.province,
            unit=self.unit,
            guest=self.guest,
            topic=self.topic,
            award=self.award,
            year=self.year,
            year_next=self.year + 1,
            count=rng.randrange(12, 480),
            place="Hà Nội" if rng.random() < 0.5 else f"tỉnh {self.province}",
            **extra,
        )


def pick_slots(rng: random.Random, category_slug: str, year: int) -> Slots:
    """Choose the people, place and topic of one article of `category_slug`."""
    return Slots(
        leader=rng.choice(LEADERS),
        province=rng.choice(PROVINCES),
        unit=rng.choice(UNITS),
        guest=rng.choice(GUESTS),
        topic=rng.choice(CATEGORY_TOPICS.get(category_slug, CATEGORY_TOPICS["hoat-dong-cua-bo"])),
        award=rng.choice(AWARDS),
        year=year,
    )


def make_title(rng: random.Random, slots: Slots) -> str:
    """A headline in natural case, e.g. `Hội nghị tổng kết công tác tôn giáo năm 2012`."""
    return capitalize_first(slots.fill(rng.choice(TITLE_FORMS), rng))


def make_lead(rng: random.Random, slots: Slots, day: int, month: int) -> str:
    """The bold summary; a third of them begin with the site's `(Moha) - ` tag as written."""
    lead = slots.fill(rng.choice(LEAD_FORMS), rng, day=f"{day:02d}", month=f"{month:02d}")
    return f"(Moha) - {lead}" if rng.random() < 0.33 else lead


def make_paragraphs(rng: random.Random, slots: Slots, count: int) -> list[str]:
    """`count` paragraphs of two to four sentences, dealt from a shuffled deck so that an article
    repeats a sentence only after using all of them."""
    deck: list[str] = []
    paragraphs = []
    for _ in range(count):
        sentences = []
        for _ in range(rng.randrange(2, 5)):
            if not deck:
                deck = list(SENTENCES)
                rng.shuffle(deck)
            sentences.append(slots.fill(deck.pop(), rng))
        paragraphs.append(" ".join(sentences))
    return paragraphs


def make_subheading(rng: random.Random, slots: Slots) -> str:
    return slots.fill(rng.choice(SUBHEADINGS), rng)


def make_list_items(rng: random.Random, slots: Slots) -> list[str]:
    return [capitalize_first(slots.fill(s, rng)) for s in rng.sample(LIST_ITEMS, rng.randrange(3, 5))]


def make_caption(rng: random.Random, slots: Slots) -> str:
    """An image caption as shown under the photo: description then `(Ảnh: ...)`."""
    return f"{slots.fill(rng.choice(CAPTION_FORMS), rng)} (Ảnh: {rng.choice(PHOTOGRAPHERS)})"


def make_credit(rng: random.Random) -> str | None:
    """The closing credit line (`TTXVN/VNP`, `Theo Vietnam+`, a name, ...) or None."""
    return None if rng.random() < 0.2 else rng.choice(CREDITS)


def parse_credit(credit: str | None) -> tuple[str | None, str | None]:
    """(author, source) of a credit line, by the records.md rules."""
    if credit is None:
        return None, None
    if credit.startswith("Theo "):
        return None, credit[len("Theo ") :]
    if " - " in credit:
        author, source = credit.split(" - ", 1)
        return author, source
    if "/" in credit or credit.isupper():
        return None, credit
    return credit, None


def capitalize_first(text: str) -> str:
    return text[:1].upper() + text[1:]
