"""Legal-aid centres as data (Art. 38): the centres of one platform, their overrides of the province's
defaults, and the query layer that scopes every ORM read to the caller's centre (`scope`)."""
