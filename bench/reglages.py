"""Settings for benchmark servers: Magasin's own settings, plus the baseline's and the floor's URLs.

The baseline and floor views live only here (bench.urls), never in the product's URLconf.
"""

from magasin.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
