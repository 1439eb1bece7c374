"""Figures for managers and operators: maintenance KPIs and the performance summary."""
