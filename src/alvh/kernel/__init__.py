"""Pure numerics: Black-76 / Black-Scholes, greeks, implied vol, payoffs.

numpy arrays in, numpy arrays out. Nothing from the rest of the project; no pandas, no dates:
time enters as year fractions.
"""
