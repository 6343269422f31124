"""CanMV-K230 `media` package, as frozen into the k230-venc unix_sim build.

media.vencoder forwards to the native k230-venc module; media.media and media.sensor stand in
for CanMV's MediaManager and Sensor on top of the host simulator.
"""
