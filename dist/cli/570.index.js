const t=570,i=[570],c={43570:((s,o,d)=>{d.r(o);var n=d(9224);(0,n.provideUndici)(()=>d(24371))})};export{t as id,i as ids,c as modules};
