// Shows the one panel the reader picks (year, theme, figure); without script every panel is shown.
(function(){
  var y=document.getElementById('f-year'), t=document.getElementById('f-theme'), f=document.getElementById('f-figure');
  function figures(){
    var first=null, keep=false;
    for (var i=0;i<f.options.length;i++){ var o=f.options[i]; o.hidden = o.getAttribute('data-theme')!==t.value; o.disabled=o.hidden;
      if(!o.hidden && first===null) first=o.value; if(!o.hidden && o.value===f.value) keep=true; }
    if(!keep && first!==null) f.value=first;
  }
  function show(){
    var ps=document.querySelectorAll('.wb-panel');
    for (var i=0;i<ps.length;i++){ ps[i].hidden = !(ps[i].getAttribute('data-year')===y.value && ps[i].getAttribute('data-figure')===f.value); }
  }
  y.addEventListener('change',show); f.addEventListener('change',show);
  t.addEventListener('change',function(){figures();show();});
  var asked=new URLSearchParams(location.search).get('year');   // ?year= from a live link sent back here
  for (var i=0;asked && i<y.options.length;i++){ if(y.options[i].value===asked) y.value=asked; }
  document.getElementById('wb-controls').hidden=false; figures(); show();
})();
