"""Network backends behind one thin API: now / schedule / send / recv."""
