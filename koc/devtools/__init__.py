"""Tools for developing against koc on one machine (``koc dev ...``); never needed to run it."""
