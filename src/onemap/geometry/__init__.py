"""Pure, vectorised geometry: ellipsoidal area, reprojection, validity, overlay kernels."""
