const t=456,i=[456],c={7456:((s,o,d)=>{d.r(o);var n=d(57854);(0,n.provideUndici)(()=>d(42480))})};export{t as id,i as ids,c as modules};
