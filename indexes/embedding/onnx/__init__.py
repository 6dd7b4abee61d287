"""The production runtime: a model exported once to ONNX (``export``), the export's file
layout and manifest (``files``), and onnxruntime running it (``runtime``)."""
