"""The HTTP contract: request and response models, one module per router, below the
service logic that fills them."""
