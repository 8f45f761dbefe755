"""The change log: per-account modseqs, one change row per object, push after commit."""
