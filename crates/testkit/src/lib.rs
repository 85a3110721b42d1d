//! Test support for skillreg.
