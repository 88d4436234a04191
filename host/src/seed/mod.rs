//! Tenants made for trying seats out and measuring it: the demo tenant (`init --demo`) and a
//! generated one of any size (`init --generate N`). Both work through the service, as any
//! adapter does.

pub mod demo;
pub mod generate;
