"""Settings for benchmark servers: Magasin's own settings, plus the baseline's URL.

The baseline view lives only here (bench.urls), never in the product's URLconf.
"""

from magasin.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
