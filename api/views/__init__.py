"""The API's views: the token pages of the settings, the resources, the figures."""
