module: ; @echo "(module build lands with the nginx glue)"
