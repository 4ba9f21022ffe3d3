"""The live layer: a persistent book and today's signal on the backtest's code path.

``alvh.live`` sits beside ``alvh.sweep`` and ``alvh.report``: it imports the engine's public API,
the book, the market and the config, and nothing below imports it. docs/live.md has the design.

Modules
-------
- ``store``: the SQLAlchemy schema (``book``, ``events``, ``sessions``, ``inputs``) and
  ``BookStore``, one transaction per command.
- ``symbols``: broker symbols (OCC options, CFE VX futures, the hedge's ETF) to contracts.
- ``csvio``: positions and fills files to checked rows (typed errors naming file/line/field).
- ``fold``: positions as a pure fold over the fill events.
- ``context``: the market data's facts (last session, data id) and the book's accepted config.
- ``service``: the commands (init, import, fills, diff, log) as functions.
- ``status``: marks, dollar greeks, margin and P&L of a book on a day.
- ``step``: the engine's session step on a book (``BookStepper``: restore from the log, step,
  the events a session writes).
- ``advance``: ``advance_book`` (paper advance, one transaction per session), ``book_signal``
  (D's orders and journal from the book's state, nothing written), ``paper_fills``.
- ``signal``: the signal by replay of a config (no book).
"""
