# media.vencoder: the native k230-venc module. This Python package shadows the native `media`
# module, so import it under its `u`-prefixed name, which always means the built-in one.
from umedia.vencoder import *
