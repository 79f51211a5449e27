"""Tables and pictures for planners (matplotlib, drawn off-screen)."""
