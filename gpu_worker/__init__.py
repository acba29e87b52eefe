"""Easel's model package: the unCLIP cascade, its loaders, the bundled model.

Plain PyTorch, no Django. The one entry the web side calls is
`gpu_worker.interface.generate()`. Importing this package does not import
torch, so the web process can use light helpers (the signature) cheaply.
"""
