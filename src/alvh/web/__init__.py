"""A local, read-only web dashboard over run directories and their decision journals.

Face layer (beside cli): it reads what ``alvh backtest`` wrote (summary.json, the CSVs,
journal.sqlite) and never runs the engine. ``create_app`` builds the FastAPI application;
``alvh serve`` runs it with uvicorn. See docs/web.md.
"""
