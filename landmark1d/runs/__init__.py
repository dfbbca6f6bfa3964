"""Runs: a config turned into datasets, models and results in a workdir.

The top of the library: it may import every wing, and it is the only part
of `landmark1d` that imports the tfds builders (`runs.datasets`). One
module per stage, each with a `run(config, workdir, ...)`: `train`,
`evaluate`, `export`, `cross_validation`; `common` holds what they share.
"""
