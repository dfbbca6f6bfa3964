"""Serving: SavedModel export, TFLite, the predict CLI's parts."""
