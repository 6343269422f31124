from media.vencoder import *
