# media.vencoder for CanMV-K230 with k230-venc: replaces the firmware's frozen
# port/builtin_py/media/vencoder.py. The frozen `media` package shadows the native `media`
# module, so the native one is imported by its `u`-prefixed name, which always means the built-in.
from umedia.vencoder import *
