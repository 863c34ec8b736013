"""PST builder: Walloon communes' and CPAS' programme stratégique transversal, from service workbooks to Word."""
