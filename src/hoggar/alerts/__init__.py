"""Watch rules and alerts: interface, e-mail and webhook, within releasability."""
