"""After assignment (承办 to 归档): lawyer notice, change of lawyer, the lawyer's reports, closing, closing review, archive."""
