"""Embedding models: the ``Embedder`` protocol (``base``), its torch and ONNX runtimes, the
loader that turns a settings string into one (``load``), the content-hash vector cache,
the bundled default model and the manifests of fine-tuned models.

Nothing here imports the training code (``indexes.training``): loading a model only
reads and checks what training wrote."""
