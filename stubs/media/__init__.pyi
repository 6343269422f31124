"""CanMV-K230's `media` package: `media.vencoder` (k230-venc), `media.media` (MediaManager)
and `media.sensor` (Sensor), as the k230-venc simulator has them."""
