"""What an archivist does with the WARCs: index, verify, package, look up, replay."""

import warnings

# cdxj-indexer and py-wacz load pyamf (for AMF POST bodies), which imports pkg_resources and warns on
# stderr that it is deprecated; that says nothing to our users, so that one warning is muted here,
# before any module of this package imports them.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning, module=r"pyamf")
