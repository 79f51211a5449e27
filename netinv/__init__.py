"""netinv: multi-echelon inventory network optimizer."""


def __getattr__(name: str):
    if name == "__version__":  # looked up on demand: importlib.metadata costs ~20 ms at every start
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("netinv")
        except PackageNotFoundError:  # a source tree that was not installed
            return "0.1.0"
    raise AttributeError(f"module 'netinv' has no attribute {name!r}")
