"""Word lists for the benchmark data generator (:mod:`bench.datagen`).

Plain data, no logic. The lists are chosen so that generated records look like the rows of
real purchased lists and CRM exports: Chinese company names built the way they are
registered (region + trade name + industry + organisational form), Western company names
per country with that country's legal forms, Chinese surnames by frequency (with compound
surnames), Western first and family names per language, and cities with their telephone
area codes and postcode formats.

Chinese administrative divisions (province, city, district and their codes, which also make
up the region part of a Unified Social Credit Code) are read from the table shipped with the
``cpca`` package; see :func:`bench.datagen.divisions`.
"""

from __future__ import annotations

# -- Chinese companies ---------------------------------------------------------------------

#: characters used in trade names (字号); two of them make most trade names
BRAND_CHARS = (
    "华瑞信达恒泰盛鑫宏源金银通联创新佳德安康和兴昌隆丰富宝利祥福嘉汇融博远航天宇星光明辉腾飞龙凤云海"
    "江山峰林森景智慧思维科正诚永益合众力美优卓越立成东南西北中亚欧环球万千百三九长久大方圆润泽晟昊睿"
    "骏驰锦绣蓝绿青红紫阳春秋冠顺凯旭晨曦朗耀琪琳铭鸿浩瀚泓沃谷田禾豪雅致精诺捷迅能芯微格尔特斯普奥迪"
    "威赛宁泰盈启航宸铂钧鼎乾坤元亨同仁协力伟业振邦国际汉唐明清晋楚齐鲁吴越湘粤闽浙苏皖赣蜀"
)

#: industry words (行业表述) with the English used for the same company abroad
INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("科技", "Technology"),
    ("技术", "Technologies"),
    ("信息技术", "Information Technology"),
    ("网络科技", "Network Technology"),
    ("电子", "Electronics"),
    ("电子科技", "Electronic Technology"),
    ("贸易", "Trading"),
    ("商贸", "Commerce and Trade"),
    ("国际贸易", "International Trade"),
    ("进出口", "Import and Export"),
    ("实业", "Industrial"),
    ("投资", "Investment"),
    ("投资管理", "Investment Management"),
    ("建设", "Construction"),
    ("建筑工程", "Construction Engineering"),
    ("物流", "Logistics"),
    ("供应链管理", "Supply Chain Management"),
    ("医药", "Pharmaceutical"),
    ("生物科技", "Biotechnology"),
    ("化工", "Chemical"),
    ("机械", "Machinery"),
    ("机械设备", "Machinery and Equipment"),
    ("食品", "Food"),
    ("文化传媒", "Culture Media"),
    ("广告", "Advertising"),
    ("企业管理咨询", "Enterprise Management Consulting"),
    ("环保科技", "Environmental Technology"),
    ("新能源", "New Energy"),
    ("汽车零部件", "Auto Parts"),
    ("服饰", "Apparel"),
    ("家具", "Furniture"),
    ("包装", "Packaging"),
    ("印刷", "Printing"),
    ("餐饮管理", "Catering Management"),
    ("房地产开发", "Real Estate Development"),
    ("物业管理", "Property Management"),
    ("教育科技", "Education Technology"),
    ("智能科技", "Intelligent Technology"),
    ("电气", "Electric"),
    ("新材料", "New Materials"),
    ("光电", "Optoelectronics"),
    ("通信", "Communication"),
    ("软件", "Software"),
    ("数据科技", "Data Technology"),
)

#: organisational forms of Chinese companies: (Chinese, weight, English variants)
CN_FORMS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("有限公司", 0.68, ("Co., Ltd.", "Co., Ltd", "Company Limited", "Co. Ltd.", "Ltd.")),
    ("有限责任公司", 0.12, ("Co., Ltd.", "Limited Liability Company", "Co., Ltd")),
    ("股份有限公司", 0.12, ("Co., Ltd.", "Corporation", "Joint Stock Co., Ltd.", "Company Limited")),
    ("集团有限公司", 0.08, ("Group Co., Ltd.", "Group Company Limited", "Group Co., Ltd")),
)

#: which Chinese forms a list may write instead (suffix variants seen in real lists)
CN_FORM_VARIANTS: dict[str, tuple[str, ...]] = {
    "有限公司": ("有限责任公司", "公司", ""),
    "有限责任公司": ("有限公司", "公司"),
    "股份有限公司": ("股份公司", "有限公司"),
    "集团有限公司": ("集团公司", "集团", "集团有限责任公司"),
}

#: names of non-enterprise holders of a USCC (registration authority other than 9)
CN_INSTITUTION_SUFFIXES = ("行业协会", "基金会", "研究院", "服务中心", "股份经济合作社", "促进会")

#: (authority + type code, weight): GB 32100-2015 registration authority and entity type
USCC_KINDS: tuple[tuple[str, float], ...] = (
    ("91", 0.90),  # 工商: enterprise
    ("92", 0.01),  # 工商: individual business
    ("93", 0.01),  # 工商: farmers' cooperative
    ("51", 0.012),  # 民政: social organisation
    ("52", 0.008),  # 民政: private non-enterprise unit
    ("53", 0.005),  # 民政: foundation
    ("12", 0.015),  # 机构编制: public institution
    ("N2", 0.008),  # 农业: village collective
    ("N3", 0.004),  # 农业: township collective
    ("A1", 0.004),  # 军队: army public institution
    ("Y1", 0.014),  # other authority
)

#: big business cities: (city, province, pinyin, telephone area code, postcode prefix)
CN_MAJOR_CITIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("北京市", "北京市", "Beijing", "10", "100"),
    ("上海市", "上海市", "Shanghai", "21", "200"),
    ("深圳市", "广东省", "Shenzhen", "755", "518"),
    ("广州市", "广东省", "Guangzhou", "20", "510"),
    ("杭州市", "浙江省", "Hangzhou", "571", "310"),
    ("苏州市", "江苏省", "Suzhou", "512", "215"),
    ("成都市", "四川省", "Chengdu", "28", "610"),
    ("武汉市", "湖北省", "Wuhan", "27", "430"),
    ("南京市", "江苏省", "Nanjing", "25", "210"),
    ("天津市", "天津市", "Tianjin", "22", "300"),
    ("重庆市", "重庆市", "Chongqing", "23", "400"),
    ("西安市", "陕西省", "Xi'an", "29", "710"),
    ("东莞市", "广东省", "Dongguan", "769", "523"),
    ("佛山市", "广东省", "Foshan", "757", "528"),
    ("宁波市", "浙江省", "Ningbo", "574", "315"),
    ("青岛市", "山东省", "Qingdao", "532", "266"),
    ("厦门市", "福建省", "Xiamen", "592", "361"),
    ("长沙市", "湖南省", "Changsha", "731", "410"),
    ("郑州市", "河南省", "Zhengzhou", "371", "450"),
    ("合肥市", "安徽省", "Hefei", "551", "230"),
)

#: street words (路 / 街 / 大道 are appended)
CN_STREET_WORDS = (
    "人民 中山 解放 建设 科技园 滨海 长江 黄河 东风 新华 和平 文化 学府 创业 高新 金融 世纪 深南 "
    "南京 北京 延安 淮海 环城 工业 迎宾 光明 幸福 振兴 胜利 朝阳 东方 花园 湖滨 江滨 青年 体育 "
    "凤凰 白云 天河 龙华 宝安 锦江 望江 星湖 金桥 张江 漕河泾 中关村 望京 亦庄"
).split()
CN_STREET_TYPES = ("路", "路", "路", "街", "大道", "大街")
CN_BUILDINGS = ("大厦", "广场", "中心", "科技园", "产业园", "商务楼")

# -- Chinese people -------------------------------------------------------------------------

#: (surname, pinyin, weight): the commonest surnames, roughly by frequency
CN_SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "Wang", 7.1),
    ("李", "Li", 7.0),
    ("张", "Zhang", 6.7),
    ("刘", "Liu", 5.4),
    ("陈", "Chen", 4.5),
    ("杨", "Yang", 3.1),
    ("黄", "Huang", 2.2),
    ("赵", "Zhao", 2.1),
    ("吴", "Wu", 2.0),
    ("周", "Zhou", 1.9),
    ("徐", "Xu", 1.6),
    ("孙", "Sun", 1.5),
    ("马", "Ma", 1.4),
    ("朱", "Zhu", 1.3),
    ("胡", "Hu", 1.3),
    ("郭", "Guo", 1.1),
    ("何", "He", 1.1),
    ("高", "Gao", 1.0),
    ("林", "Lin", 1.0),
    ("罗", "Luo", 0.9),
    ("郑", "Zheng", 0.9),
    ("梁", "Liang", 0.8),
    ("谢", "Xie", 0.7),
    ("宋", "Song", 0.6),
    ("唐", "Tang", 0.6),
    ("许", "Xu", 0.6),
    ("韩", "Han", 0.6),
    ("冯", "Feng", 0.6),
    ("邓", "Deng", 0.6),
    ("曹", "Cao", 0.5),
    ("彭", "Peng", 0.5),
    ("曾", "Zeng", 0.5),
    ("肖", "Xiao", 0.5),
    ("田", "Tian", 0.5),
    ("董", "Dong", 0.5),
    ("袁", "Yuan", 0.4),
    ("潘", "Pan", 0.4),
    ("于", "Yu", 0.4),
    ("蒋", "Jiang", 0.4),
    ("蔡", "Cai", 0.4),
    ("余", "Yu", 0.4),
    ("杜", "Du", 0.4),
    ("叶", "Ye", 0.4),
    ("程", "Cheng", 0.4),
    ("苏", "Su", 0.3),
    ("魏", "Wei", 0.3),
    ("吕", "Lv", 0.3),
    ("丁", "Ding", 0.3),
    ("任", "Ren", 0.3),
    ("沈", "Shen", 0.3),
    ("姚", "Yao", 0.3),
    ("卢", "Lu", 0.3),
    ("姜", "Jiang", 0.3),
    ("崔", "Cui", 0.3),
    ("钟", "Zhong", 0.3),
    ("谭", "Tan", 0.3),
    ("陆", "Lu", 0.3),
    ("汪", "Wang", 0.3),
    ("范", "Fan", 0.3),
    ("金", "Jin", 0.3),
    ("石", "Shi", 0.2),
    ("廖", "Liao", 0.2),
    ("贾", "Jia", 0.2),
    ("夏", "Xia", 0.2),
    ("韦", "Wei", 0.2),
    ("方", "Fang", 0.2),
    ("白", "Bai", 0.2),
    ("邹", "Zou", 0.2),
    ("孟", "Meng", 0.2),
    ("熊", "Xiong", 0.2),
    ("秦", "Qin", 0.2),
    ("邱", "Qiu", 0.2),
    ("江", "Jiang", 0.2),
    ("尹", "Yin", 0.2),
    ("薛", "Xue", 0.2),
    ("段", "Duan", 0.2),
    ("雷", "Lei", 0.2),
    ("侯", "Hou", 0.2),
    ("龙", "Long", 0.2),
    ("史", "Shi", 0.2),
    ("欧阳", "Ouyang", 0.08),
    ("司马", "Sima", 0.03),
    ("上官", "Shangguan", 0.03),
    ("诸葛", "Zhuge", 0.03),
    ("东方", "Dongfang", 0.02),
    ("皇甫", "Huangfu", 0.02),
    ("司徒", "Situ", 0.03),
    ("慕容", "Murong", 0.02),
    ("令狐", "Linghu", 0.02),
    ("夏侯", "Xiahou", 0.02),
    ("公孙", "Gongsun", 0.02),
    ("尉迟", "Yuchi", 0.02),
)

#: characters of given names
CN_GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红鹏飞辉建国宇浩然子轩梓涵欣怡思雨晨佳琪博文俊"
    "嘉一诺家豪婷雪晓丹林斌波宁凯亮琳志强春燕海峰小龙永健婉清雅欢宏毅"
)

# -- Western companies --------------------------------------------------------------------

#: syllables of invented brand names (Nova + tek)
BRAND_HEADS = (
    "Nova Alpha Blue Green Inno Tech Data Net Info Opti Prime Smart Quantum Terra Aqua Sun Star "
    "Euro Trans Inter Omni Vita Medi Agri Solar Micro Macro Neo Next Peak Summit Silver Gold Iron "
    "Nord Sud West Ost Rhein Alpen Baltic Atlantic Pacific Delta Sigma Vector Matrix"
).split()
BRAND_TAILS = (
    "tek tec tronic wave line soft ware works logic lab labs sys net com point ix ex on ia ion "
    "field stone bridge gate way port hub flow path core base star"
).split()

#: industry words per language
WEST_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "en": (
        "Technologies",
        "Solutions",
        "Systems",
        "Logistics",
        "Consulting",
        "Engineering",
        "Industries",
        "Trading",
        "Software",
        "Pharma",
        "Foods",
        "Energy",
        "Capital",
        "Partners",
        "Media",
        "Holdings",
        "Services",
        "Manufacturing",
        "Electronics",
        "Components",
    ),
    "de": (
        "Technik",
        "Maschinenbau",
        "Logistik",
        "Beratung",
        "Handel",
        "Elektronik",
        "Bau",
        "Software",
        "Systeme",
        "Vertrieb",
        "Immobilien",
        "Automation",
        "Anlagenbau",
        "Medizintechnik",
    ),
    "fr": ("Technologies", "Conseil", "Logistique", "Industrie", "Distribution", "Services", "Ingénierie"),
    "it": ("Tecnologie", "Servizi", "Costruzioni", "Meccanica", "Logistica", "Impianti", "Elettronica"),
    "es": ("Tecnología", "Servicios", "Construcciones", "Logística", "Ingeniería", "Distribuciones"),
    "nl": ("Techniek", "Logistiek", "Advies", "Handel", "Installatietechniek", "Bouw"),
    "pl": ("Technologie", "Logistyka", "Budownictwo", "Handel", "Systemy"),
}

#: legal forms per country: (canonical written form, weight, variants a list may write instead)
WEST_FORMS: dict[str, tuple[tuple[str, float, tuple[str, ...]], ...]] = {
    "DE": (
        ("GmbH", 0.70, ("G.m.b.H.", "Gmbh", "GMBH", "Gesellschaft mit beschränkter Haftung", "")),
        ("AG", 0.10, ("Aktiengesellschaft", "A.G.", "")),
        ("GmbH & Co. KG", 0.15, ("GmbH & Co KG", "GmbH u. Co. KG", "GmbH")),
        ("UG (haftungsbeschränkt)", 0.05, ("UG", "UG haftungsbeschränkt")),
    ),
    "AT": (("GmbH", 0.85, ("G.m.b.H.", "Ges.m.b.H.", "")), ("AG", 0.15, ("Aktiengesellschaft", ""))),
    "GB": (
        ("Ltd", 0.80, ("Limited", "Ltd.", "LTD", "")),
        ("PLC", 0.12, ("plc", "Public Limited Company", "P.L.C.")),
        ("LLP", 0.08, ("L.L.P.", "")),
    ),
    "US": (
        ("Inc.", 0.55, ("Inc", "Incorporated", "INC", "")),
        ("LLC", 0.30, ("L.L.C.", "Llc", "")),
        ("Corp.", 0.15, ("Corporation", "Corp", "")),
    ),
    "FR": (
        ("SAS", 0.55, ("S.A.S.", "")),
        ("SA", 0.20, ("S.A.", "")),
        ("SARL", 0.25, ("S.A.R.L.", "Sarl", "")),
    ),
    "NL": (("B.V.", 0.85, ("BV", "B.V", "")), ("N.V.", 0.15, ("NV", ""))),
    "IT": (("S.r.l.", 0.75, ("Srl", "S.R.L.", "SRL", "")), ("S.p.A.", 0.25, ("SpA", "S.P.A.", ""))),
    "ES": (("S.L.", 0.75, ("SL", "Sociedad Limitada", "")), ("S.A.", 0.25, ("SA", "Sociedad Anónima", ""))),
    "BE": (("BV", 0.55, ("B.V.", "SRL", "")), ("NV", 0.45, ("N.V.", "SA", ""))),
    "PL": (("Sp. z o.o.", 0.85, ("sp. z o.o.", "Sp. z.o.o.", "")), ("S.A.", 0.15, ("SA", ""))),
}

#: country -> (language, weight among Western companies, e-mail TLD)
WEST_COUNTRIES: dict[str, tuple[str, float, str]] = {
    "DE": ("de", 0.26, "de"),
    "GB": ("en", 0.16, "co.uk"),
    "US": ("en", 0.18, "com"),
    "FR": ("fr", 0.10, "fr"),
    "NL": ("nl", 0.06, "nl"),
    "IT": ("it", 0.08, "it"),
    "ES": ("es", 0.06, "es"),
    "AT": ("de", 0.04, "at"),
    "BE": ("nl", 0.03, "be"),
    "PL": ("pl", 0.03, "pl"),
}

#: cities per country: (name, telephone area code without trunk prefix, postcode pattern)
#: postcode patterns: "#" a digit, "A" a capital letter
WEST_CITIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "DE": (
        ("Berlin", "30", "10###"),
        ("München", "89", "80###"),
        ("Hamburg", "40", "20###"),
        ("Frankfurt am Main", "69", "60###"),
        ("Köln", "221", "50###"),
        ("Stuttgart", "711", "70###"),
        ("Düsseldorf", "211", "40###"),
        ("Leipzig", "341", "04###"),
        ("Nürnberg", "911", "90###"),
    ),
    "AT": (("Wien", "1", "1###"), ("Graz", "316", "80##"), ("Linz", "732", "40##")),
    "GB": (
        ("London", "20", "EC# #AA"),
        ("Manchester", "161", "M# #AA"),
        ("Birmingham", "121", "B# #AA"),
        ("Leeds", "113", "LS# #AA"),
        ("Glasgow", "141", "G# #AA"),
    ),
    "US": (
        ("New York", "212", "100##"),
        ("San Francisco", "415", "941##"),
        ("Chicago", "312", "606##"),
        ("Boston", "617", "021##"),
        ("Houston", "713", "770##"),
        ("Seattle", "206", "981##"),
    ),
    "FR": (
        ("Paris", "1", "750##"),
        ("Lyon", "4", "6900#"),
        ("Marseille", "4", "130##"),
        ("Toulouse", "5", "310##"),
    ),
    "NL": (("Amsterdam", "20", "10## AA"), ("Rotterdam", "10", "30## AA"), ("Utrecht", "30", "35## AA")),
    "IT": (("Milano", "02", "201##"), ("Roma", "06", "001##"), ("Torino", "011", "101##")),
    "ES": (("Madrid", "91", "280##"), ("Barcelona", "93", "080##"), ("Valencia", "96", "460##")),
    "BE": (("Bruxelles", "2", "1###"), ("Antwerpen", "3", "2###"), ("Gent", "9", "9###")),
    "PL": (("Warszawa", "22", "0#-###"), ("Kraków", "12", "3#-###"), ("Wrocław", "71", "5#-###")),
}

#: Chinese area codes whose local numbers have seven digits (the others have eight)
CN_SEVEN_DIGIT_AREAS = frozenset({"592"})

#: mobile number prefixes per country (national significant number, without trunk prefix)
MOBILE_HEADS: dict[str, tuple[str, ...]] = {
    "CN": tuple(
        "130 131 132 135 136 137 138 139 150 151 152 155 158 159 176 177 180 181 186 187 188 189 198"
        " 199".split()
    ),
    "DE": tuple("151 152 157 160 170 171 172 173 175 176 177 178 179".split()),
    "AT": tuple("664 676 699 650".split()),
    "GB": tuple("77 78 79 74".split()),
    "US": tuple("212 415 312 617 646 917".split()),
    "FR": ("6", "7"),
    "NL": ("6",),
    "IT": tuple("347 333 320 340 338".split()),
    "ES": ("6", "7"),
    "BE": tuple("47 48 49".split()),
    "PL": tuple("50 51 60 69 78".split()),
}
#: digits of a mobile number (national significant number)
MOBILE_LENGTHS = {
    "CN": 11,
    "DE": 11,
    "AT": 10,
    "GB": 10,
    "US": 10,
    "FR": 9,
    "NL": 9,
    "IT": 10,
    "ES": 9,
    "BE": 9,
    "PL": 9,
}

#: country calling codes
CALLING_CODES = {
    "CN": "86",
    "DE": "49",
    "AT": "43",
    "GB": "44",
    "US": "1",
    "FR": "33",
    "NL": "31",
    "IT": "39",
    "ES": "34",
    "BE": "32",
    "PL": "48",
}

#: streets per language: patterns with {w} (a word) and {n} (a house number)
WEST_STREETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "de": (
        ("{w}straße {n}", "{w}weg {n}", "Am {w} {n}", "{w}platz {n}", "{w}allee {n}"),
        ("Haupt", "Bahnhof", "Industrie", "Goethe", "Schiller", "Garten", "Berg", "Kirch", "Linden", "Markt"),
    ),
    "en": (
        ("{n} {w} Street", "{n} {w} Road", "{n} {w} Avenue", "{n} {w} Lane"),
        ("High", "Station", "Park", "Church", "Main", "Victoria", "King", "Queen", "Mill", "Market"),
    ),
    "fr": (
        ("{n} rue {w}", "{n} avenue {w}", "{n} boulevard {w}"),
        ("de la Paix", "Victor Hugo", "de la République", "Pasteur", "Jean Jaurès", "du Commerce"),
    ),
    "it": (
        ("Via {w} {n}", "Corso {w} {n}", "Piazza {w} {n}"),
        ("Roma", "Garibaldi", "Mazzini", "Dante", "Verdi", "Marconi", "Cavour"),
    ),
    "es": (
        ("Calle {w} {n}", "Avenida {w} {n}", "Paseo {w} {n}"),
        ("Mayor", "de Alcalá", "Gran Vía", "del Prado", "de la Castellana", "Real"),
    ),
    "nl": (
        ("{w}straat {n}", "{w}weg {n}", "{w}gracht {n}"),
        ("Kerk", "Dorps", "Molen", "Keizers", "Heren", "Stations", "Prinsen"),
    ),
    "pl": (("ul. {w} {n}", "al. {w} {n}"), ("Marszałkowska", "Długa", "Polna", "Lipowa", "Kościuszki")),
}

#: street-word abbreviations a list may use instead
STREET_ABBREVIATIONS = (
    ("straße", "str."),
    ("Straße", "Str."),
    ("straße", "strasse"),
    (" Street", " St"),
    (" Road", " Rd"),
    (" Avenue", " Ave"),
    ("avenue", "av."),
    ("boulevard", "bd"),
    ("Via ", "V. "),
    ("Calle ", "C/ "),
)

# -- Western people --------------------------------------------------------------------------

WEST_FIRST: dict[str, tuple[str, ...]] = {
    "de": (
        "Hans",
        "Peter",
        "Thomas",
        "Michael",
        "Andreas",
        "Stefan",
        "Anna",
        "Maria",
        "Julia",
        "Katharina",
        "Sabine",
        "Monika",
        "Jürgen",
        "Klaus",
        "Wolfgang",
        "Uwe",
        "Jörg",
        "Birgit",
        "Ursula",
        "Lukas",
    ),
    "en": (
        "James",
        "John",
        "Robert",
        "Michael",
        "William",
        "David",
        "Mary",
        "Patricia",
        "Jennifer",
        "Linda",
        "Elizabeth",
        "Sarah",
        "Emily",
        "Oliver",
        "George",
        "Harry",
        "Jack",
        "Charlotte",
        "Amelia",
        "Thomas",
    ),
    "fr": (
        "Jean",
        "Pierre",
        "Michel",
        "Philippe",
        "Nicolas",
        "Marie",
        "Nathalie",
        "Isabelle",
        "Sophie",
        "Camille",
        "François",
        "Hélène",
        "Céline",
        "Jérôme",
    ),
    "it": (
        "Giuseppe",
        "Marco",
        "Luca",
        "Francesco",
        "Alessandro",
        "Giulia",
        "Francesca",
        "Chiara",
        "Sara",
        "Niccolò",
    ),
    "es": ("José", "Antonio", "Manuel", "Francisco", "Javier", "Carmen", "Lucía", "Ana", "Laura", "Álvaro"),
    "nl": ("Jan", "Pieter", "Johannes", "Sanne", "Anouk", "Lotte", "Daan", "Bram", "Femke"),
    "pl": ("Piotr", "Krzysztof", "Anna", "Katarzyna", "Tomasz", "Małgorzata", "Paweł"),
}
WEST_LAST: dict[str, tuple[str, ...]] = {
    "de": (
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Schäfer",
        "Koch",
        "Bauer",
        "Richter",
        "Klein",
        "Wolf",
        "Schröder",
        "Neumann",
        "Schwarz",
        "Zimmermann",
        "Braun",
        "Krüger",
        "Hofmann",
        "Hartmann",
        "Lange",
        "Krause",
        "Lehmann",
    ),
    "en": (
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Miller",
        "Davis",
        "Wilson",
        "Taylor",
        "Anderson",
        "Thomas",
        "Moore",
        "Martin",
        "Jackson",
        "Thompson",
        "White",
        "Harris",
        "Clark",
        "Lewis",
        "Walker",
        "Robinson",
        "Wright",
        "Evans",
        "Roberts",
        "Green",
        "Hall",
        "Wood",
        "Hughes",
    ),
    "fr": (
        "Martin",
        "Bernard",
        "Dubois",
        "Thomas",
        "Robert",
        "Richard",
        "Petit",
        "Durand",
        "Leroy",
        "Moreau",
        "Simon",
        "Laurent",
        "Lefèvre",
        "Michel",
        "Garcia",
        "Bertrand",
        "Roux",
        "Fournier",
    ),
    "it": (
        "Rossi",
        "Russo",
        "Ferrari",
        "Esposito",
        "Bianchi",
        "Romano",
        "Colombo",
        "Ricci",
        "Marino",
        "Greco",
        "Bruno",
        "Gallo",
        "Conti",
        "De Luca",
    ),
    "es": (
        "García",
        "Rodríguez",
        "González",
        "Fernández",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Gómez",
        "Martín",
        "Jiménez",
        "Ruiz",
    ),
    "nl": (
        "de Jong",
        "Jansen",
        "de Vries",
        "van den Berg",
        "van Dijk",
        "Bakker",
        "Visser",
        "Smit",
        "Meijer",
        "de Boer",
    ),
    "pl": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski"),
}

#: nicknames and short forms a list may write instead of a first name
NICKNAMES = {
    "William": "Bill",
    "Robert": "Bob",
    "Michael": "Mike",
    "Elizabeth": "Liz",
    "Thomas": "Tom",
    "James": "Jim",
    "Jennifer": "Jenny",
    "Katharina": "Kathi",
    "Giuseppe": "Beppe",
    "Francisco": "Paco",
    "Johannes": "Hans",
    "Andreas": "Andi",
    "Alessandro": "Alex",
    "Nicolas": "Nico",
    "Patricia": "Pat",
}

#: umlauts and accents as a list typed on a keyboard without them may write them
TRANSLITERATIONS = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}

# -- e-mail ----------------------------------------------------------------------------------

COMPANY_MAILBOXES = ("info", "sales", "contact", "office", "service", "kontakt", "hello", "marketing")
CN_FREE_MAIL = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "aliyun.com")
WEST_FREE_MAIL = ("gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "gmx.de", "web.de", "orange.fr")
