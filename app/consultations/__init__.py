"""Hotline consultations (热线咨询): calls logged by duty lawyers or imported from the telephony CDR."""
