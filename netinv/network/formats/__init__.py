"""The file formats a network is read from and written to."""
