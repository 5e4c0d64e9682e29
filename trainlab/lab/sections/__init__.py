"""Report sections of the built-in studies, one module per study family.

Each module registers its sections with :func:`trainlab.lab.extras.register`; every module here
is imported by :func:`trainlab.lab.extras.load_sections`, so adding a file is all it takes.
"""
