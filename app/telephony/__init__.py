"""The live hotline: the switch's call events (signed webhook, Asterisk AMI, FreeSWITCH ESL) mapped onto
one call-event model, the screen pop pushed to the ringing lawyer, the wallboard, the phone survey."""
