"""Batch work on notebooks: parameter sets (`params`), the one place notebooks run (`execute`:
papermill on warm kernels, also for sessions and reports), the page cache (`page_cache`), the
casebook build (`build`) and the site around the pages (`site`: index pages and search)."""
