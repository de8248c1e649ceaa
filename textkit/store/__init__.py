"""The model store: save, verify, load, export and import models."""
