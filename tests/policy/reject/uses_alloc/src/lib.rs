#![no_std]
extern crate alloc;
use rax::xdp::{XdpAction, XdpContext};
rax::license!("GPL");
rax::xdp! {
    fn prog(_ctx: &mut XdpContext) -> XdpAction { XdpAction::Pass }
}
