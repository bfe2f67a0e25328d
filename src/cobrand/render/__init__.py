"""Stage 4, render: HTML pages, PDFs, feeds, images and the kit zip for one partner."""
