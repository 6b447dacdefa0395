"""The home page: the way in to every capability, at the top of the layers."""
