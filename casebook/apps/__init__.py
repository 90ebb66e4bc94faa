"""What is served: Voila command lines and kernel limits (`serving`, `kernel_limits`), the editable
apps (`editable`: the case form), and the readers' pages (`publish`)."""
