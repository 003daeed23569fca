"""Peer: what a user writes with GDAL's Python bindings and NumPy - read the
whole cube, take the mean over bands, write a 1-band float32 ENVI file.
usage: peer_numpy_mean.py IN.tif OUT.img ; prints "peer <seconds> s"."""
import sys
import time

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
t0 = time.monotonic()
ds = gdal.Open(sys.argv[1])
cube = ds.ReadAsArray()  # bands x rows x cols, float32
mean = cube.mean(axis=0, dtype=np.float64).astype(np.float32)
drv = gdal.GetDriverByName("ENVI")
out = drv.Create(sys.argv[2], ds.RasterXSize, ds.RasterYSize, 1, gdal.GDT_Float32)
out.GetRasterBand(1).WriteArray(mean)
out = None
print(f"peer {time.monotonic() - t0:.3f} s")
