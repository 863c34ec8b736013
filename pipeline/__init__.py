"""PST builder: Walloon communes' and CPAS' programme stratégique transversal, from service workbooks to Word."""

import os

# numpy's OpenBLAS starts a thread per core when it is imported, and its threads spin: 0.15 s of processor per build
# on a two-core machine, taken from the processes that read and write. The pipeline does no linear algebra. Set
# before anything imports numpy; a value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
