"""How much of one input logviz reads and keeps, so that no single file can exhaust memory.

Each limit turns an oversized piece into a reject (or a cut text) instead of a load that
swells by gigabytes. docs/formats.md lists them for users.
"""

# A JSON line longer than this is rejected unread (real lines with a screenshot reach a few MB).
MAX_LINE_BYTES = 32 * 1024 * 1024
# A whole-document file (or one member of an archive, decompressed) larger than this is rejected:
# decoded, a JSON document takes several times its size in memory.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
# Texts and tool arguments are cut to this many characters; the record keeps the full length.
MAX_TEXT_CHARS = 100_000
# The raw event kept for debugging is cut to this many characters.
MAX_RAW_CHARS = 20_000
