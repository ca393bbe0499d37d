"""Small library behind the analysis scripts: data, laws, fitting, bootstrap, ledger."""
