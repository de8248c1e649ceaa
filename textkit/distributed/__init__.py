"""Run textkit's heavy steps on a Dask cluster (``pip install "textkit[dask]"``).

The only package of textkit that imports Dask, and only when a command is given
``--cluster`` (or ``$TEXTKIT_DASK_SCHEDULER``). :mod:`.cluster` connects (an existing
scheduler, or ``local:N`` worker processes on this machine); :mod:`.partitions` cuts
the input files into parts the workers read themselves; :mod:`.tasks` holds what a
worker runs (the saved model loaded once per worker process); :mod:`.run` sends the
parts, gathers the results in input order and merges them.
"""
