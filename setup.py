"""moha-migrate: capture the legacy moha.gov.vn site into WARCs and migrate it into the new portal."""

from setuptools import find_packages, setup

setup(
    name="moha-migrate",
    version="0.1.0",
    description=(
        "Migrate the legacy Ministry of Home Affairs website (moha.gov.vn) into a new portal: "
        "crawl to WARC, archive tools, transform to records, load into SQL, verify."
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11",
    packages=find_packages(include=["moha_migrate*", "replica*", "crawler*", "archive*", "transform*", "loaders*", "verify*", "runner*"]),
    package_data={
        "moha_migrate": ["profiles/*.toml", "data/*"],
        "replica": ["data/*", "static/*"],
        "crawler": ["*.toml"],
        "transform": ["data/*"],
        "loaders": ["migrations/*", "migrations/versions/*"],
        "verify": ["templates/*", "static/*"],
    },
    install_requires=[
        "alembic>=1.13",
        "beautifulsoup4>=4.12",
        "cdxj-indexer>=1.4",
        "charset-normalizer>=3.3",
        "click>=8.1",
        "dateparser>=1.2",
        "lxml>=5.0",
        "nh3>=0.2.15",
        "orjson>=3.9",
        "Pillow>=10.0",
        "protego>=0.3",
        "pywb>=2.8",
        "redis>=5.0",
        "rich>=13.0",
        "scrapy>=2.11",
        "scrapy-redis>=0.7.3",
        "setuptools>=80.9,<81",  # pywb 2.8 pins gevent 22.10, whose pkg_resources lookup needs this range
        "sqlalchemy>=2.0",
        "trafilatura>=1.12",
        "wacz>=0.5",
        "warcio>=1.7.4",
    ],
    extras_require={
        "postgres": ["psycopg[binary]>=3.1"],
        "mysql": ["pymysql>=1.1"],
        "test": [
            "hypothesis>=6.100",
            "olefile>=0.46",
            "psycopg[binary]>=3.1",
            "pymysql>=1.1",
            "pypdf>=4.0",
            "pytest>=8.0",
            "pytest-timeout>=2.3",
            "pytest-xdist>=3.5",
            "xlrd>=2.0",
        ],
        "bench": ["psutil>=5.9", "pyinstrument>=4.6"],
    },
    entry_points={"console_scripts": ["moha-migrate = moha_migrate.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3.11",
        "Topic :: System :: Archiving",
    ],
)
